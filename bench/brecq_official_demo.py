#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The official BRECQ code (yhhhli/BRECQ, main_imagenet.py's flow and defaults) on the demo
# ResNet-8 / Fashion-MNIST: the reference bench_brecq's figures are compared with
# (bench/BRECQ.md). It runs outside the project: give it a checkout of the official repository;
# it copies it to a scratch folder and points its two hard-coded 'cuda' devices at the CPU (the
# only change). Needs Debian's python3-torch (scripts/setup installs it).
#   bench/brecq_official_demo.py BRECQ_CHECKOUT [--n_bits_w 2] [--n_bits_a 4] [--iters_w 20000]
#       [--iters_a 5000] [--seed 1005] [--no_act] [--opt_mode mse|fisher_diag] [--model PT]
#       [--weight 0.01]
# --model takes another ResNet-8 of the demo's shape (`quantscope-cli train … --arch resnet8
# --width 16`), e.g. one trained with another seed, to compare on a model neither was tuned on,
# a MobileNetV2 of `quantscope-cli train … --arch mobilenetv2`, or a MobileNetV2-style
# Fashion-MNIST archive trained in Python: a traced module with `stem` (conv, BatchNorm,
# ReLU6), `blocks` of inverted residuals whose `body` is the released code's layout (1×1, BN,
# ReLU6, depthwise 3×3, BN, ReLU6, 1×1, BN), a mean pool and `fc`. It is rebuilt from the
# released code's InvertedResidual, which QuantModel reconstructs as one block with or without
# its shortcut, and checked against the archive's outputs.
# With --opt_mode fisher_diag (the released code's damped Fisher, (|g| + 1)^2 weights) it prints,
# block by block, how far those weights stray from 1 (the plain squared error's weight).
# The demo model is rebuilt as the official code's ResNet (its BasicBlock, so QuantModel finds
# its blocks) with the TorchScript archive's weights; BatchNorm is folded by QuantModel.
import argparse, atexit, gzip, os, re, shutil, sys, tempfile, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
checkout = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith('-') else None
if checkout is None or not os.path.isfile(os.path.join(checkout, 'quant', 'block_recon.py')):
    sys.exit('usage: brecq_official_demo.py BRECQ_CHECKOUT [options] (no quant/block_recon.py)')
scratch = tempfile.mkdtemp(prefix='brecq-official-')
atexit.register(shutil.rmtree, scratch, True)
shutil.copytree(checkout, scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns('.git'))
for name in ('block_recon.py', 'layer_recon.py'):
    path = os.path.join(scratch, 'quant', name)
    text = open(path).read()
    open(path, 'w').write(text.replace("device = 'cuda'", "device = 'cpu'"))
sys.path.insert(0, scratch)
import torch, torch.nn as nn
from quant import *
from quant import block_recon, layer_recon
from models.resnet import BasicBlock, conv1x1
from models.mobilenetv2 import InvertedResidual, conv_bn, conv_1x1_bn
from main_imagenet import validate_model, seed_all

p = argparse.ArgumentParser()
p.add_argument('--n_bits_w', type=int, default=2)
p.add_argument('--n_bits_a', type=int, default=4)
p.add_argument('--iters_w', type=int, default=20000)
p.add_argument('--iters_a', type=int, default=5000)
p.add_argument('--seed', type=int, default=1005)
p.add_argument('--num_samples', type=int, default=1024)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--no_act', action='store_true', help='weights only')
p.add_argument('--opt_mode', default='mse', choices=('mse', 'fisher_diag'))
p.add_argument('--model', help='another ResNet-8 archive of quantscope-cli train, or a '
               'MobileNetV2-style archive (default: demo)')
p.add_argument('--weight', type=float, default=0.01,
               help='rounding regulariser (the released README: 0.1 for MobileNetV2)')
a = p.parse_args()
torch.set_num_threads(a.threads)
seed_all(a.seed)

DATA = os.environ.get('FASHION_MNIST', '/usr/share/datasets/fashion-mnist')


def idx(name, offset):
    return np.frombuffer(gzip.open(os.path.join(DATA, name)).read(), np.uint8, offset=offset)


def images(name):  # normalised as the demo archive's quantscope.json says
    x = torch.tensor(idx(name, 16).copy(), dtype=torch.float32).view(-1, 1, 28, 28)
    return (x / 255 - 0.286) / 0.353


train_x = images('train-images-idx3-ubyte.gz')
test_x = images('t10k-images-idx3-ubyte.gz')
test_y = torch.tensor(idx('t10k-labels-idx1-ubyte.gz', 8).astype(np.int64))


def projection(cin, cout):
    return nn.Sequential(conv1x1(cin, cout, 2), nn.BatchNorm2d(cout))


class ResNet8(nn.Module):
    def __init__(self):
        super().__init__()
        BN = nn.BatchNorm2d
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn1 = BN(16)
        self.relu = nn.ReLU()
        self.layer1 = BasicBlock(16, 16, norm_layer=BN)
        self.layer2 = BasicBlock(16, 32, 2, projection(16, 32), norm_layer=BN)
        self.layer3 = BasicBlock(32, 64, 2, projection(32, 64), norm_layer=BN)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class MobileNet(nn.Module):
    """A MobileNetV2-style archive (stem conv-bn-relu6 `stem.*`, inverted residuals
    `blocks.N.body.*`, mean pool, `fc`) rebuilt from the released code's InvertedResidual, whose
    `conv` Sequential has the same layout, so QuantModel reconstructs it block by block."""

    def __init__(self, script):
        super().__init__()
        sd = script.state_dict()
        self.stem = conv_bn(sd['stem.0.weight'].shape[1], sd['stem.0.weight'].shape[0],
                            stride_of(getattr(script.stem, '0')))
        blocks = []
        for i, (_, b) in enumerate(script.blocks.named_children()):
            w0, w6 = sd['blocks.%d.body.0.weight' % i], sd['blocks.%d.body.6.weight' % i]
            stride = stride_of(getattr(b.body, '3'))  # the depthwise convolution's
            blocks.append(InvertedResidual(w0.shape[1], w6.shape[0], stride,
                                           w0.shape[0] // w0.shape[1]))
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(sd['fc.weight'].shape[1], sd['fc.weight'].shape[0])
        self.load_state_dict({k.replace('.body.', '.conv.'): v for k, v in sd.items()})

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean([2, 3]))


class TrainedMobileNet(nn.Module):
    """`quantscope-cli train --arch mobilenetv2`: stem conv-bn-relu6, `blockN` inverted
    residuals (`expand`, `depthwise`, `project` ConvBn modules), `last` 1×1 conv-bn-relu6, mean
    pool, `fc`; rebuilt from the released code's conv_bn, InvertedResidual and conv_1x1_bn."""

    def __init__(self, script):
        super().__init__()
        sd = script.state_dict()
        self.stem = conv_bn(sd['stem.weight'].shape[1], sd['stem.weight'].shape[0],
                            script.stem.stride)
        load_conv_bn(self.stem[0], self.stem[1], sd, 'stem')
        blocks, i = [], 1
        while 'block%d.depthwise.weight' % i in sd:
            name = 'block%d' % i
            layers = (['expand'] if name + '.expand.weight' in sd else []) + \
                ['depthwise', 'project']
            hidden = sd[name + '.depthwise.weight'].shape[0]
            inp = sd[name + '.expand.weight'].shape[1] if 'expand' in layers else hidden
            block = InvertedResidual(inp, sd[name + '.project.weight'].shape[0],
                                     getattr(script, name).depthwise.stride, hidden // inp)
            convs = [m for m in block.conv if isinstance(m, nn.Conv2d)]
            bns = [m for m in block.conv if isinstance(m, nn.BatchNorm2d)]
            for layer, conv, bn in zip(layers, convs, bns):
                load_conv_bn(conv, bn, sd, name + '.' + layer)
            blocks.append(block)
            i += 1
        self.blocks = nn.Sequential(*blocks)
        self.last = conv_1x1_bn(sd['last.weight'].shape[1], sd['last.weight'].shape[0])
        load_conv_bn(self.last[0], self.last[1], sd, 'last')
        self.fc = nn.Linear(sd['fc.weight'].shape[1], sd['fc.weight'].shape[0])
        load_linear(self.fc, sd, 'fc')

    def forward(self, x):
        return self.fc(self.last(self.blocks(self.stem(x))).mean([2, 3]))


def load_conv_bn(conv, bn, sd, name):  # a ConvBn module of quantscope-cli train
    conv.weight.data.copy_(sd[name + '.weight'])
    bn.weight.data.copy_(sd[name + '.bn_weight'])
    bn.bias.data.copy_(sd[name + '.bn_bias'])
    bn.running_mean.copy_(sd[name + '.running_mean'])
    bn.running_var.copy_(sd[name + '.running_var'])


def load_linear(fc, sd, name):
    fc.weight.data.copy_(sd[name + '.weight'])
    fc.bias.data.copy_(sd[name + '.bias'])


def stride_of(traced_conv):  # a traced convolution keeps its stride only in its code
    return int(re.search(r'_convolution\([^\[]*\[(\d+)', traced_conv.code).group(1))


demo = os.path.join(HERE, '..', 'resources', 'demo', 'fashion_resnet8.pt')
script = torch.jit.load(a.model or demo)
sd = script.state_dict()
if 'blocks.0.body.0.weight' in sd:
    net = MobileNet(script).eval()
elif 'block1.depthwise.weight' in sd:
    net = TrainedMobileNet(script).eval()
else:
    net = ResNet8().eval()
    load_conv_bn(net.conv1, net.bn1, sd, 'stem')
    for name in ['layer1', 'layer2', 'layer3']:
        block = getattr(net, name)
        load_conv_bn(block.conv1, block.bn1, sd, name + '.conv1')
        load_conv_bn(block.conv2, block.bn2, sd, name + '.conv2')
        if block.downsample is not None:
            load_conv_bn(block.downsample[0], block.downsample[1], sd, name + '.shortcut')
    load_linear(net.fc, sd, 'fc')
with torch.no_grad():  # the rebuilt network must be the archive's function
    print('rebuilt against the archive: max |difference| %.2e' %
          (net(test_x[:256]) - script(test_x[:256])).abs().max(), flush=True)


def top1(model):
    batches = [(test_x[i:i + 500], test_y[i:i + 500]) for i in range(0, 10000, 500)]
    return float(validate_model(batches, model, print_freq=10**9))


print('float top-1 %.2f' % top1(net), flush=True)

# From here on main_imagenet.py with its defaults (--channel_wise --act_quant, as its README).
start = time.time()
wq = {'n_bits': a.n_bits_w, 'channel_wise': True, 'scale_method': 'mse'}
aq = {'n_bits': a.n_bits_a, 'channel_wise': False, 'scale_method': 'mse',
      'leaf_param': not a.no_act}
qnn = QuantModel(model=net, weight_quant_params=wq, act_quant_params=aq).eval()
qnn.set_first_last_layer_to_8bit()
cali = train_x[torch.randperm(len(train_x))[:a.num_samples]]  # a shuffled loader's first images
qnn.set_quant_state(True, False)
_ = qnn(cali[:64])
kw = dict(cali_data=cali, iters=a.iters_w, weight=a.weight, asym=True, b_range=(20, 2),
          warmup=0.2, act_quant=False, opt_mode=a.opt_mode)
released_save_grad_data = block_recon.save_grad_data


def save_grad_data_reporting(*args, **kwargs):
    damped = released_save_grad_data(*args, **kwargs)  # |g| + 1; the loss squares it
    weights = damped.pow(2)
    print('  fisher_diag weights: mean %.6f, max %.6f, share above 1.01 %.2e' %
          (weights.mean(), weights.max(), (weights > 1.01).float().mean()), flush=True)
    return damped


block_recon.save_grad_data = save_grad_data_reporting
layer_recon.save_grad_data = save_grad_data_reporting


def recon(model):
    for name, m in model.named_children():
        if isinstance(m, QuantModule):
            if not m.ignore_reconstruction:
                layer_reconstruction(qnn, m, **kw)
        elif isinstance(m, BaseQuantBlock):
            if not m.ignore_reconstruction:
                block_reconstruction(qnn, m, **kw)
        else:
            recon(m)


recon(qnn)
weights_s = time.time() - start
qnn.set_quant_state(True, False)
print('W%d top-1 %.2f, weight phase %.1f s' % (a.n_bits_w, top1(qnn), weights_s), flush=True)
if not a.no_act:
    start = time.time()
    qnn.set_quant_state(True, True)
    with torch.no_grad():
        _ = qnn(cali[:64])
    qnn.disable_network_output_quantization()
    kw = dict(cali_data=cali, iters=a.iters_a, act_quant=True, opt_mode=a.opt_mode, lr=4e-4,
              p=2.4)
    recon(qnn)
    act_s = time.time() - start
    qnn.set_quant_state(True, True)
    print('W%dA%d top-1 %.2f, calibration %.1f s (weights %.1f, activations %.1f)' %
          (a.n_bits_w, a.n_bits_a, top1(qnn), weights_s + act_s, weights_s, act_s), flush=True)
